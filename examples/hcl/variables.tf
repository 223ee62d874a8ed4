variable "region" {
  type    = string
  default = "us-east-1"
}

variable "dr_region" {
  type    = string
  default = "us-west-2"
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "change-me"
}

variable "apps" {
  type = map(object({
    instance_type = string
    count         = optional(number, 1)
    data_gb       = optional(number, 0)
  }))
  default = {
    web = { instance_type = "t3.micro" }
  }
}
