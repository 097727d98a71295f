"""What people read: the exported files, the report pages and the dashboards' data and charts."""
