"""POST /api/auth/token/: a staff user's API token, with failed logins throttled."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class AuthTokenView(APIView):
    # Every attempt counts against the "login" rate per client address, so
    # guessing passwords is slow; a token holder never needs to call this twice.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("AuthToken", {"token": serializers.CharField()}),
        examples=[
            OpenApiExample(
                "Log in", value={"username": "maria", "password": "correct horse battery"}, request_only=True
            ),
            OpenApiExample("Token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, response_only=True),
        ],
        summary="Get an API token for a facilitator or administrator",
        tags=["auth"],
    )
    def post(self, request):
        payload = AuthTokenSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=payload.validated_data["user"])
        return Response({"token": token.key})
