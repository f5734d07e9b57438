DROP TABLE partnerships;
