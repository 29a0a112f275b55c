package config

// ProductName is the product's name as people see it: in page titles and
// the header, in mails and their default sender, in messages. It is the one
// place it is written; `make rename NAME=…` rewrites it.
const ProductName = "Hearth"
