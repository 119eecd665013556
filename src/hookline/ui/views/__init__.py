"""One module per view (or group of views), each exporting `routes`."""
