import { defineConfig } from 'vite';

// Relative asset paths, so the same dist folder works at any URL path nginx serves it under.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: { host: '127.0.0.1', port: 8088, strictPort: true },
  preview: { host: '127.0.0.1', port: 8088, strictPort: true },
});
