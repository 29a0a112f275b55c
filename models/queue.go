package models

import "github.com/riverqueue/river"

// The job queue: River (github.com/riverqueue/river), on the app's own
// database, carries the background work that must survive a crash — mail
// (MailJob) and webhook deliveries (WebhookJob). A job is inserted in the
// transaction of the change that causes it, so it exists if and only if the
// change committed; several instances work the same queue, each job locked
// by one at a time; a job whose instance died is rescued and run again.
//
// The models insert jobs through an insert-only River client that Open
// attaches to the writer as a gorm plugin (jobQueue), so that any function
// holding a transaction can queue a job in it (insertJobTx). The client that
// works the jobs is made by NewJobClient with the workers (packages mail
// and webhook) and started by cmd/hearth.

// MailJob sends the outbox mail OutboxID. The mail itself stays in the
// outbox table (the development mailbox, and the record of what was sent):
// the job holds no body and so no link's token.
type MailJob struct {
	OutboxID string `json:"outbox_id"`
}

// Kind implements river.JobArgs.
func (MailJob) Kind() string { return "mail" }

// InsertOpts implements river.JobArgsWithInsertOpts: mail has its queue
// and is retried for about a week (it is never dropped before).
func (MailJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: MailMaxAttempts}
}

// WebhookJob delivers the event EventID to the endpoint EndpointID.
type WebhookJob struct {
	EventID    string `json:"event_id"`
	EndpointID string `json:"endpoint_id"`
}

// Kind implements river.JobArgs.
func (WebhookJob) Kind() string { return "webhook" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (WebhookJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueWebhooks, MaxAttempts: WebhookMaxAttempts}
}

// Queues of the job queue.
const (
	QueueMail     = "mail"
	QueueWebhooks = "webhooks"
	// MailMaxAttempts at the mail's backoff (doubling from 30 s to an
	// hour) is about a week of retries.
	MailMaxAttempts = 180
)
