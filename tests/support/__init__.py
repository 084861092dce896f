"""Helpers shared by the tests of several features (`from tests.support.cards import …`)."""
