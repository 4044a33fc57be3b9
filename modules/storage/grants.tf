locals {
  # Per bucket, the statements of its object_grants, in the policy's order: each grant's objects,
  # then the lock files of the grants that have some (by that map's keys, "0", "1", "10", "2"...,
  # as they always were), then each grant's listing of exactly its keys. Each statement admits the
  # grant's account held to its principal_arns (main.tf); `conditions` are the statement's others.
  object_grant_statements = {
    for name, b in local.buckets : name => concat(
      [for i, g in b.object_grants : {
        sid            = "ObjectsForNamedPrincipals${i}"
        account_id     = g.account_id
        principal_arns = g.principal_arns
        actions        = ["s3:GetObject", "s3:PutObject"]
        resources      = [for k in g.keys : "${aws_s3_bucket.this[name].arn}/${k}"]
        conditions     = []
      }],
      [for i, g in { for i, g in b.object_grants : i => g if length(g.lock_keys) > 0 } : {
        sid            = "LockFilesForNamedPrincipals${i}"
        account_id     = g.account_id
        principal_arns = g.principal_arns
        actions        = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
        resources      = [for k in g.lock_keys : "${aws_s3_bucket.this[name].arn}/${k}"]
        conditions     = []
      }],
      [for i, g in b.object_grants : {
        sid            = "ListingForNamedPrincipals${i}"
        account_id     = g.account_id
        principal_arns = g.principal_arns
        actions        = ["s3:ListBucket"]
        resources      = [aws_s3_bucket.this[name].arn]
        conditions     = [{ test = "StringEquals", variable = "s3:prefix", values = concat(g.keys, g.lock_keys) }]
      }],
    )
  }
}
