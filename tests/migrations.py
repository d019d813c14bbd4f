"""Running the migrations to a point and back, for tests of a data migration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """Migrate to `targets` ([(app, migration)]) and give the app registry as it was there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.fixture
def latest_schema_after(transactional_db):
    """Later migrations (any app) must be back for the tests that follow this one."""
    yield
    migrate_to_latest()
