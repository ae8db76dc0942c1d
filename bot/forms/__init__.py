"""Data-driven declaration forms (tờ khai): definitions from data/procedures.yml, validation, flow."""
