"""Server-rendered pages for facilitators and organizers under /facilitate/.

Thin views: each checks the caller with the same functions as the management API
(sessions.api.access, sessions.permissions), calls the same services and selectors,
and renders a Django form whose errors are the services' own messages.
"""
