DROP TABLE annual_report_document_contents;
DROP TABLE annual_report_documents;
DROP TABLE annual_reports;
