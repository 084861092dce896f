from tests.core.notices import told

__all__ = ["told"]
