"""Back-office database: SQLAlchemy models and sessions; schema changes go through Alembic (migrations/)."""
