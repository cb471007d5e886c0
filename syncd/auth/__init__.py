"""Signing in: the interactive OAuth flows of `syncd auth NAME` (``flows``, with one module per
provider: ``google``, ``outlook``), passwords from commands or the environment (``secrets``) and
the "re-authorise" notice an account that lost its sign-in puts in the calendar (``reauth``)."""
