package main

import (
	"log/slog"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey"
)

// withAPIKeys adds the check of the spec's apiKey schemes, with the keys of
// --api-keys-file; without it, every key is refused.
func withAPIKeys(schemes []auth.SchemeFunc, cfg config, logger *slog.Logger) ([]auth.SchemeFunc, error) {
	if cfg.apiKeysFile == "" {
		return append(schemes, apikey.Scheme(nil)), nil
	}
	v, err := apikey.Load(cfg.apiKeysFile)
	if err != nil {
		return nil, err
	}
	logger.Info("API keys loaded", "file", cfg.apiKeysFile, "count", v.Len())
	return append(schemes, apikey.Scheme(v)), nil
}
