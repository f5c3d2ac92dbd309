from assessment import converters  # noqa: F401  registers <id:…> before the views' URL patterns are built
