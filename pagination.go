package clerk

import (
	"context"
	"iter"
)

// defaultPageSize is how many items an iterator asks for per request when
// the caller's params set no Limit.
const defaultPageSize = 100

// paginate yields the items of a list operation page by page with limit and
// offset. fetch returns one page and, when the API reports it, the total
// count of items. Iteration ends when a page is empty, when the total count
// is reached, or (without a total) when a page is shorter than the limit.
// It stops at the first error, and whenever ctx ends.
func paginate[T any](ctx context.Context, limit, offset *int64, fetch func(ctx context.Context, limit, offset int64) (items []T, total int64, hasTotal bool, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		size, off := int64(defaultPageSize), int64(0)
		if limit != nil && *limit > 0 {
			size = *limit
		}
		if offset != nil && *offset > 0 {
			off = *offset
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, total, hasTotal, err := fetch(ctx, size, off)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			off += int64(len(items))
			switch {
			case len(items) == 0:
				return
			case hasTotal && off >= total:
				return
			case !hasTotal && int64(len(items)) < size:
				return
			}
		}
	}
}

// single yields the items of a list operation that has no pagination
// parameters: the API returns the whole list in one response.
func single[T any](ctx context.Context, fetch func(ctx context.Context) ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		items, err := fetch(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}
