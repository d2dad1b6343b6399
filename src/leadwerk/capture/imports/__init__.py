"""Imports of CSV and XLSX files (detection, mapping, dry run, resume, error report) and export."""
