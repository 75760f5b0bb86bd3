"""What a command writes: the output set replaced as one (`output_set`, `files`), the CSV
bundle (`csv_bundle`), the printed text summary (`report`) and summary.pdf
(`pdf_summary`). The engine never imports this package (import-linter contract)."""
