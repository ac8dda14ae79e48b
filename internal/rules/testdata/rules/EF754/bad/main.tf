resource "aws_efs_file_system" "data" {
  encrypted = true
}

resource "aws_efs_file_system" "disabled" {
  encrypted = true
}

resource "aws_efs_backup_policy" "disabled" {
  file_system_id = aws_efs_file_system.disabled.id

  backup_policy {
    status = "DISABLED"
  }
}
