resource "aws_efs_file_system" "data" {
  encrypted = true
}

resource "aws_efs_backup_policy" "data" {
  file_system_id = aws_efs_file_system.data.id

  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_file_system" "plan" {
  encrypted = true
}

resource "aws_backup_selection" "plan" {
  name         = "efs"
  iam_role_arn = "arn:aws:iam::111111111111:role/backup"
  plan_id      = "plan-1"
  resources    = [aws_efs_file_system.plan.arn]
}
