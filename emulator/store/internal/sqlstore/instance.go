package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
)

// Instance returns the instance settings, or store.ErrNotFound.
func (s *Store) Instance(ctx context.Context) (*store.Instance, error) {
	var in store.Instance
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.q.instance).Scan(&in.ID, &in.SecretKey, &in.PublishableKey,
			&in.SigningKeyPEM, &in.CreatedAt, &in.Doc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read instance: %w", err)
	}
	in.Doc = normDoc(in.Doc)
	return &in, nil
}

// PutInstance saves the instance settings, replacing earlier ones.
func (s *Store) PutInstance(ctx context.Context, in *store.Instance) error {
	if in == nil {
		return errors.New("store: PutInstance: nil instance")
	}
	return s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, s.q.putInstance, in.ID, in.SecretKey, in.PublishableKey,
			in.SigningKeyPEM, in.CreatedAt, docArg(in.Doc)); err != nil {
			return fmt.Errorf("store: put instance: %w", err)
		}
		return nil
	})
}
