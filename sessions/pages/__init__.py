"""Server-rendered pages for people looking for a group and for members.

Views here are thin: they validate with a Django form (sessions/pages/forms.py), call the same
services, selectors and access functions as the API, and render a template from templates/.
"""
