"""Bearer tokens of the municipality's OpenID Connect provider (when one is configured).

The provider proves who someone is; what they may do stays in ontzorgen: the token's ``sub`` must
belong to a local user (``users.oidc_subject``), whose role and scope apply. Tokens are verified
with the provider's published keys (JWKS), its issuer, our audience and the expiry.
"""

from __future__ import annotations

from typing import Any

import jwt

from ontzorgen.users import NotAuthenticated

ALGORITHMS = ["RS256", "ES256", "PS256"]


class OidcVerifier:
    def __init__(self, issuer: str, audience: str, jwks_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._keys = jwt.PyJWKClient(
            jwks_url or f"{self.issuer}/protocol/openid-connect/certs", cache_keys=True
        )

    def signing_key(self, token: str) -> Any:
        return self._keys.get_signing_key_from_jwt(token).key

    def subject(self, token: str) -> str:
        try:
            claims = jwt.decode(
                token,
                self.signing_key(token),
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, jwt.PyJWKClientError) as refused:
            raise NotAuthenticated(f"The OpenID Connect token is not valid: {refused}") from None
        return str(claims["sub"])
