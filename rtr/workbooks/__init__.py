"""Writing workbooks: the streaming xlsx writer, receipts, the 汇总表, and the blank form."""
