"""Reply template tests file petitions like the petition tests do."""

from tests.petitions.conftest import residents  # noqa: F401  (the fixture)
