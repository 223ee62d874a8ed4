variable "name" { type = string }
variable "instance_type" { type = string }
variable "instance_count" { type = number }
variable "data_volume_gb" { type = number }
variable "az" { type = string }

resource "aws_instance" "web" {
  count             = var.instance_count
  ami               = "ami-0c02fb55956c7d316"
  instance_type     = var.instance_type
  availability_zone = var.az

  root_block_device {
    volume_size = 30
    volume_type = "gp3"
  }

  dynamic "ebs_block_device" {
    for_each = var.data_volume_gb > 0 ? [var.data_volume_gb] : []
    content {
      device_name = "/dev/sdf"
      volume_size = ebs_block_device.value
      volume_type = "gp3"
    }
  }

  tags = { Name = "${var.name}-${count.index}" }
}

resource "aws_ebs_volume" "logs" {
  count             = var.instance_count
  availability_zone = var.az
  size              = 20
  type              = "gp3"
  tags              = { Name = "${var.name}-logs-${count.index}" }
}

output "instance_ids" {
  value = aws_instance.web[*].id
}
