package main

import (
	"fmt"

	"github.com/clerkgo/clerk"
	"github.com/spf13/cobra"
)

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of clerk",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.stdout, "clerk %s\n", clerk.Version)
			return writeErr(err)
		},
	}
}

// writeErr turns a failure to write the output into an exit error.
func writeErr(err error) error {
	if err != nil {
		return failure("error: writing the output: " + err.Error())
	}
	return nil
}
