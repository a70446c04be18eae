"""Reports: summaries of result rows (pandas, where used, is imported lazily here only)."""
