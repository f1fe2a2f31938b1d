"""The media pages' building blocks: Images, Video and Upload, and media fetched by the server for
the browser."""
