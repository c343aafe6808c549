# One image for both processes: docker-compose.yml runs it as the API (server.ts) and as the worker (worker.ts).
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies before the source, so editing code reuses this layer. tsx is a regular dependency
# (TypeScript runs as is; the only build step is the workflow bundle), so the dev tools stay out of the image.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# Left owned by root: the app user can read its code but not rewrite it.
COPY . .
# The workflow bundle, built once here: the worker loads it instead of bundling at every start.
RUN npm run build

USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "server.ts"]
