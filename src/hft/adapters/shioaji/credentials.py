"""Shioaji credentials, read from the environment and never logged."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hft.adapters.shioaji.errors import MissingCredentialsError

API_KEY_VAR = "SHIOAJI_API_KEY"
SECRET_KEY_VAR = "SHIOAJI_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret
CA_PATH_VAR = "SHIOAJI_CA_PATH"
CA_PASSWORD_VAR = "SHIOAJI_CA_PASSWORD"  # noqa: S105 - the variable's name, not a secret
PERSON_ID_VAR = "SHIOAJI_PERSON_ID"


@attrs.frozen(repr=False)
class Credentials:
    """API key pair and, for production orders, the CA certificate that signs them."""

    api_key: str
    secret_key: str
    ca_path: str | None = None
    ca_password: str | None = None
    person_id: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(api_key=***{self.api_key[-4:]}, ca={'yes' if self.ca_path else 'no'})"


def credentials_from_env(env: Mapping[str, str]) -> Credentials:
    """Read credentials from `env`. Raises `MissingCredentialsError` naming what is missing.

    A CA path without its password (or the reverse) is incomplete and is refused too.
    """
    missing = [name for name in (API_KEY_VAR, SECRET_KEY_VAR) if not env.get(name)]
    ca_path, ca_password = env.get(CA_PATH_VAR) or None, env.get(CA_PASSWORD_VAR) or None
    if ca_path and not ca_password:
        missing.append(CA_PASSWORD_VAR)
    if ca_password and not ca_path:
        missing.append(CA_PATH_VAR)
    if missing:
        raise MissingCredentialsError(tuple(missing))
    return Credentials(
        api_key=env[API_KEY_VAR],
        secret_key=env[SECRET_KEY_VAR],
        ca_path=ca_path,
        ca_password=ca_password,
        person_id=env.get(PERSON_ID_VAR) or None,
    )
