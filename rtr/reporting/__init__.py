"""Reporting: metrics over the accepted returns, changes against history, summary.json, the documents' context and charts."""
