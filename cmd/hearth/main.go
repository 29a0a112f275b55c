// Command hearth runs the Hearth server and its administrative commands.
// This package parses the command line and wires dependencies; it is the
// only place that reads the process environment or exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/joho/godotenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, environment())
	stop()
	os.Exit(code)
}

// environment returns a getenv that reads the process environment first and
// an optional .env file in the working directory second.
func environment() func(string) string {
	file, err := godotenv.Read(".env")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "hearth: warning: .env not read: %v\n", err)
	}
	return func(key string) string {
		if v, ok := os.LookupEnv(key); ok {
			return v
		}
		return file[key]
	}
}

const usage = `Usage:
  hearth [serve]                      start the server (pending migrations run first)
  hearth migrate [up|down|status]     manage the database schema
  hearth user create --email E [--name N] [--admin] [--password-stdin]
  hearth user set-role --email E --role admin|member
  hearth keys rotate                  make a new JWT signing key (the old one stays published until its tokens expire)
  hearth dev seed [--users N] [--seed S] [--admins]  add N realistic fake members (--admins: a few admins too; refused in production)

Configuration comes from HEARTH_* environment variables and an optional .env file.
`

// run executes one command and returns the exit status. Errors are printed to
// stderr as one line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, getenv)
	case "migrate":
		err = migrate(ctx, args, stdout, getenv)
	case "user":
		err = user(ctx, args, stdin, stdout, getenv)
	case "dev":
		err = dev(ctx, args, stdout, getenv)
	case "keys":
		err = keys(ctx, args, stdout, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q (run 'hearth help')", cmd)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hearth: %v\n", err)
		return 1
	}
	return 0
}
