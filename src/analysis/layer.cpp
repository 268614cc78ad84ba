// Placeholder so the layer library exists before its first concept lands.
