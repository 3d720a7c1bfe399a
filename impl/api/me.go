package api

import (
	"context"

	"example.com/tasks/gen"
)

func (s *Server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	scopes := p.Scopes
	if scopes == nil {
		scopes = []string{} // the spec requires an array, never null
	}
	return gen.GetMe200JSONResponse{Subject: p.Subject, Scopes: scopes}, nil
}
