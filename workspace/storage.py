"""Static files storage: WhiteNoise's compressed, content-hashed files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage without rewriting source-map comments.

    The vendored minified builds (GraphiQL, ECharts) name source maps that are not shipped (they are only for
    a browser's developer tools); Django would otherwise refuse to collect a file whose map is missing. The
    vendored files stay byte for byte as published, so the pages' subresource-integrity hashes hold.
    """

    patterns = tuple(
        (extension, tuple(pattern for pattern in rules if "sourceMappingURL" not in str(pattern)))
        for extension, rules in CompressedManifestStaticFilesStorage.patterns
    )
