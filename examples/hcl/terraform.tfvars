environment = "prod"
extra_tags  = { Team = "web" }
apps = {
  api    = { instance_type = "m5.large", count = 2, data_gb = 100 }
  worker = { instance_type = "m5.xlarge", data_gb = 50 }
}
