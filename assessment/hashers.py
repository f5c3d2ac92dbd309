"""The password hasher of one-time passwords (settings.PASSWORD_HASHERS)."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    """The hash of a one-time password (assessment.services.roster): random, about 50 bits, and
    replaced at the first login, so a thousand iterations suffice and a roster of 1,000
    secretaries gets its accounts in a second. At that login Django re-hashes it with the
    default hasher; then the person sets their own password."""

    algorithm = "pbkdf2_sha256_otp"
    iterations = 1000
