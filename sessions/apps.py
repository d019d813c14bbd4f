from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # The label cannot be "sessions": django.contrib.sessions owns it.
    name = "sessions"
    label = "lantern_sessions"
    verbose_name = "Groups and sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Logging is configured before apps are ready, so the filter survives it.
        from sessions import log_redaction

        log_redaction.install()
