# One image for every LessLLM service: `lessllm gateway|router|analyzer|server`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded ClickHouse engine (chdb, an optional dependency) stays out: services use a ClickHouse server.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8000
ENTRYPOINT ["node", "dist/apps/cli/src/main.js"]
CMD ["gateway"]
