DROP TABLE document_contents;
DROP TABLE application_documents;
