"""Reading: a workbook's bytes → sheets (safely) → raw returns (form and roster layouts) → typed values."""
