# One image for both processes: docker-compose.yml runs it as the API (server.ts) and as the worker (worker.ts).
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies before the source, so editing code reuses this layer. tsx and esbuild are regular
# dependencies (the build below and the audit replay child use them), so the dev tools stay out of the image.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# Left owned by root: the app user can read its code but not rewrite it.
COPY . .
# The workflow bundle, and the worker and the API as plain JavaScript, built once here: the worker
# loads the bundle instead of running webpack, and neither process compiles TypeScript at start.
RUN npm run build

USER node
EXPOSE 3000
CMD ["node", "--enable-source-maps", ".build/server.mjs"]
