// Environment testcontainers needs on this machine class (host networking, no Ryuk); imported before testcontainers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
