package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
)

// errNoRow marks a statement that affected no row.
var errNoRow = errors.New("no row affected")

// affectedOne returns the statement's error, or errNoRow when it affected
// no row.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRow
	}
	return nil
}

// wrapNotFound turns errNoRow into store.ErrNotFound, passes on
// store.ErrNotFound and *store.ConflictError as they are, and wraps any
// other error with what was being done.
func wrapNotFound(err error, format string, args ...any) error {
	var ce *store.ConflictError
	switch {
	case errors.Is(err, errNoRow), errors.Is(err, store.ErrNotFound):
		return store.ErrNotFound
	case errors.As(err, &ce):
		return err
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}
