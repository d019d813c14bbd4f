"""/api/auth/token/: staff API tokens.

POST signs in with a username and password and answers the caller's token. Sign-in
is guarded twice, both counted per client address (`backend.client_address`, so a
forged X-Forwarded-For changes nothing): a rate throttle ("login"), and django-axes,
which locks an address out after STAFF_LOGIN_FAILURE_LIMIT failed sign-ins here or
on /admin/login/ (any login that calls django's `authenticate`).

A token works for STAFF_TOKEN_LIFETIME_DAYS after it was issued; signing in again
after that issues a new one. DELETE revokes the caller's own token at once; an
administrator can delete anyone's token in the admin ("Tokens").
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.authentication import ExpiringTokenAuthentication, token_expires_at, token_is_expired
from backend.throttles import ClientScopedRateThrottle
from sessions.api import examples

LOCKED_OUT = "Too many failed sign-ins from this connection. Please try again later."


@transaction.atomic
def staff_token_for(user) -> Token:
    """The user's current token, or a new one when they have none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


TokenAnswer = inline_serializer(
    "AuthToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)


class AuthTokenView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "login"

    def _method(self) -> str | None:
        # None while drf-spectacular builds the schema without a request.
        return getattr(getattr(self, "request", None), "method", None)

    def get_authenticators(self):
        # Signing in takes no credentials but the password (no session, so no CSRF);
        # revoking takes the token being revoked.
        if self._method() == "DELETE":
            return [ExpiringTokenAuthentication()]
        return []

    def get_permissions(self):
        if self._method() == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_throttles(self):
        # Every sign-in attempt counts against the "login" rate per client address.
        return [ClientScopedRateThrottle()] if self._method() == "POST" else []

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenAnswer,
            400: OpenApiResponse(description="Wrong username or password"),
            429: OpenApiResponse(description="Too many sign-in attempts from this client address"),
        },
        examples=[examples.LOG_IN_EXAMPLE, examples.TOKEN_EXAMPLE],
        summary="Get an API token for a facilitator or administrator",
        tags=["auth"],
    )
    def post(self, request):
        payload = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = payload.is_valid()
        # django-axes marks the request when this address is locked out; even the right
        # password is refused then, and the answer says why instead of "wrong password".
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": LOCKED_OUT}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not valid:
            raise exceptions.ValidationError(payload.errors)
        token = staff_token_for(payload.validated_data["user"])
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(description="No valid token given")},
        summary="Revoke the token this request is made with",
        tags=["auth"],
    )
    def delete(self, request):
        Token.objects.filter(key=request.auth.key).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
