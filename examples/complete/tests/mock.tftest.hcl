# examples/complete under `terraform test` with both providers mocked: no AWS account, no
# network, no emulator. Terraform 1.7 or later.
#
# A mocked provider still checks every configuration with the real provider's validation, so
# the certificates that flow from cloudhsm_one_time_root into cloudhsm_cluster_initialization
# must be real PEM, the cluster certificate issued by the root. The defaults below are one
# consistent set printed by `cloudhsm-emulator fixtures` (docs/guides/testing.md); mock
# defaults cannot call file(), hence the heredocs. Regenerate them the same way.
#
# Terraform before 1.14 cannot destroy cloudhsm_one_time_root.this at the end of the test
# (it has prevent_destroy): the runs pass, the cleanup fails. See docs/guides/testing.md.

mock_provider "cloudhsm" {
  mock_data "cloudhsm_cluster" {
    defaults = {
      id                = "cluster-i5dnfhopfrr"
      state             = "UNINITIALIZED"
      state_message     = "Cluster is uninitialized."
      hsm_type          = "hsm2m.medium"
      mode              = "FIPS"
      network_type      = "IPV4"
      vpc_id            = "vpc-9a36436606062ae9a"
      security_group_id = "sg-b7bcdaf85e2bf7135"
      create_timestamp  = "2026-12-06T22:37:16Z"
      backup_policy     = "DEFAULT"
      backup_retention_policy = {
        type  = "DAYS"
        value = 90
      }
      subnet_mapping = {
        "eu-west-1a" = "subnet-7807a1fb928f3c3ac"
      }
      tags        = {}
      cluster_csr = <<-EOT
        -----BEGIN CERTIFICATE REQUEST-----
        MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
        DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
        A1UEAwwmSFNNOm55ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
        MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV
        0xiM6sYGQuBX/dq8P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4
        kaB9X8lDIRPh16igQsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/
        ugPfGv90Pj8DyXrL+IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2
        Dt1Zusnv/PNQJroPLU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvEC
        BA0s2nPktkX+gC+xFCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMB
        AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAlQAbrALsuARo8ZlDODtk5K2hvMsegQRH
        AhDSntcrC5iJlGWA5Td0KYxw77oA3/JNmj/RVPNFnY0+/ZXlU2TAx3rZ/JPjfi+k
        Wf3jXsxz68KAv2a5QIdHfcCPncjvMbV+Fe/JNmFoylL4RB8GLOTkyOaktdbWKFJK
        QE2fMWkZ6Zc6uhnB940Bt7V6Aa+85QQEj8LpL6o1uP70YJnYIvYPz4wHSrt1bU35
        MLN26hZnqRGfiVmp4O5zmn6aNowkRIE18NDAOarEfDT6Pd8Y9KlO0vDGQ5qi4GNl
        7lcArsjW/AU5ENC7WLyL1EZ/PkFvvuP2enSLuUcgwXXopu/VDVE84A==
        -----END CERTIFICATE REQUEST-----
      EOT
      certificates = {
        cluster_csr                       = <<-EOT
          -----BEGIN CERTIFICATE REQUEST-----
          MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
          DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
          A1UEAwwmSFNNOm55ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
          MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV
          0xiM6sYGQuBX/dq8P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4
          kaB9X8lDIRPh16igQsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/
          ugPfGv90Pj8DyXrL+IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2
          Dt1Zusnv/PNQJroPLU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvEC
          BA0s2nPktkX+gC+xFCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMB
          AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAlQAbrALsuARo8ZlDODtk5K2hvMsegQRH
          AhDSntcrC5iJlGWA5Td0KYxw77oA3/JNmj/RVPNFnY0+/ZXlU2TAx3rZ/JPjfi+k
          Wf3jXsxz68KAv2a5QIdHfcCPncjvMbV+Fe/JNmFoylL4RB8GLOTkyOaktdbWKFJK
          QE2fMWkZ6Zc6uhnB940Bt7V6Aa+85QQEj8LpL6o1uP70YJnYIvYPz4wHSrt1bU35
          MLN26hZnqRGfiVmp4O5zmn6aNowkRIE18NDAOarEfDT6Pd8Y9KlO0vDGQ5qi4GNl
          7lcArsjW/AU5ENC7WLyL1EZ/PkFvvuP2enSLuUcgwXXopu/VDVE84A==
          -----END CERTIFICATE REQUEST-----
        EOT
        hsm_certificate                   = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIICazCCAhGgAwIBAgIQYJI1jM4yV3195bqvZhdXbzAKBggqhkjOPQQDAjAjMSEw
          HwYDVQQDDBhIU00gaGFyZHdhcmUgbnlmaG5tM2t6N2swIBcNNzUwMTAxMDAwMDAw
          WhgPNDA5NjAxMDEwMDAwMDBaMH8xCzAJBgNVBAYMAlVTMQswCQYDVQQIDAJDQTEQ
          MA4GA1UEBwwHU2FuSm9zZTEPMA0GA1UECgwGQ2F2aXVtMQ8wDQYDVQQLDAZOM0ZJ
          UFMxLzAtBgNVBAMMJkhTTTpueWZobm0za3o3azpQQVJUTjoxLCBmb3IgRklQUyBt
          b2RlMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoRydIJnHgGMd7Hw/
          c0yZpfwAVdMYjOrGBkLgV/3avD+8CJs7ukfKpCFLUj9oNhYIrDuyqvWqHJy1qUqQ
          nEhRKGjguJGgfV/JQyET4deooELGpbUcSYPEg1Xfj8rcAgKSIrilIechDVBI6Y7g
          1DvusRMJf7oD3xr/dD4/A8l6y/iM7SdXRgZ90IET4ugCtJ/SIgYrMa3mu0TDnG1K
          6vqFU9XhNg7dWbrJ7/zzUCa6Dy1NNUFNzKlO96wPxgaM8VIWhric9j5FsQsFInc6
          qBOdPwrxAgQNLNpz5LZF/oAvsRQsQUdeW0FaVO/RY8pf1ZuldvxESEw9n1AUym+A
          JYg5WwIDAQABMAoGCCqGSM49BAMCA0gAMEUCIQD5D4kQ91IM4wz/EptOuFt44Z9U
          XYcwgySdQjBfYKLujAIgZCluSS8EBox4P2OCrmFG0nUpLcW/pLS8Wvf2NQWeEMA=
          -----END CERTIFICATE-----
        EOT
        aws_hardware_certificate          = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIIBnTCCAUOgAwIBAgIQEfwnZ1Az1M4/BUz5gZ96MDAKBggqhkjOPQQDAjBFMSUw
          IwYDVQQDDBxBV1MgQ2xvdWRIU00gUm9vdCAoZW11bGF0ZWQpMRwwGgYDVQQKDBNB
          bWF6b24gV2ViIFNlcnZpY2VzMCAXDTc1MDEwMTAwMDAwMFoYDzQwOTYwMTAxMDAw
          MDAwWjAjMSEwHwYDVQQDDBhIU00gaGFyZHdhcmUgbnlmaG5tM2t6N2swWTATBgcq
          hkjOPQIBBggqhkjOPQMBBwNCAATkkTO0Bch0prqdUICyA4EO1DOW0izI466fihgo
          7F3yaSCRaBVgem5rD3tFpqiwz0hKdc6oRgLbfSggmf1xyfDMozUwMzAdBgNVHQ4E
          FgQUe19dLWQfglqCy4m7hD+jBGLYpwEwEgYDVR0TAQH/BAgwBgEB/wIBADAKBggq
          hkjOPQQDAgNIADBFAiEA1JmAw2UwWd0nwDT+rJBWIXhSjwHS7f3BzdcyxnL9suEC
          ICsd6Z13YbMwBeU+oMbRKmkiIzeC4edxFy2QX8lvYFBp
          -----END CERTIFICATE-----
        EOT
        manufacturer_hardware_certificate = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIIBlTCCATqgAwIBAgIQEfwnZ1Az1M4/BUz5gZ96MDAKBggqhkjOPQQDAjA8MSkw
          JwYDVQQDDCBIU00gTWFudWZhY3R1cmVyIFJvb3QgKGVtdWxhdGVkKTEPMA0GA1UE
          CgwGQ2F2aXVtMCAXDTc1MDEwMTAwMDAwMFoYDzQwOTYwMTAxMDAwMDAwWjAjMSEw
          HwYDVQQDDBhIU00gaGFyZHdhcmUgbnlmaG5tM2t6N2swWTATBgcqhkjOPQIBBggq
          hkjOPQMBBwNCAATkkTO0Bch0prqdUICyA4EO1DOW0izI466fihgo7F3yaSCRaBVg
          em5rD3tFpqiwz0hKdc6oRgLbfSggmf1xyfDMozUwMzAdBgNVHQ4EFgQUe19dLWQf
          glqCy4m7hD+jBGLYpwEwEgYDVR0TAQH/BAgwBgEB/wIBADAKBggqhkjOPQQDAgNJ
          ADBGAiEAk4W1V3LaW4oE52x+tUuq1NLUxMGUS+wrsQQQezyZab8CIQCJoqttY7Ro
          NJHG0ubrO+JiV8kKSGhxGAi8FZ3tE7MCaA==
          -----END CERTIFICATE-----
        EOT
      }
    }
  }
  mock_data "cloudhsm_backups" {
    defaults = {
      id     = "eu-west-1"
      region = "eu-west-1"
      ids    = ["backup-u2qtweiqrxb"]
      backups = [
        {
          backup_id         = "backup-u2qtweiqrxb"
          backup_arn        = "arn:aws:cloudhsm:eu-west-1:123456789012:backup/backup-u2qtweiqrxb"
          state             = "READY"
          cluster_id        = "cluster-i5dnfhopfrr"
          hsm_type          = "hsm2m.medium"
          mode              = "FIPS"
          create_timestamp  = "2026-12-06T22:37:16Z"
          copy_timestamp    = null
          delete_timestamp  = null
          never_expires     = false
          source_region     = null
          source_backup_id  = null
          source_cluster_id = null
          tags              = {}
        },
      ]
    }
  }
  mock_resource "cloudhsm_one_time_root" {
    defaults = {
      id               = "cluster-i5dnfhopfrr"
      cluster_csr      = <<-EOT
        -----BEGIN CERTIFICATE REQUEST-----
        MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
        DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
        A1UEAwwmSFNNOm55ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
        MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV
        0xiM6sYGQuBX/dq8P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4
        kaB9X8lDIRPh16igQsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/
        ugPfGv90Pj8DyXrL+IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2
        Dt1Zusnv/PNQJroPLU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvEC
        BA0s2nPktkX+gC+xFCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMB
        AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAlQAbrALsuARo8ZlDODtk5K2hvMsegQRH
        AhDSntcrC5iJlGWA5Td0KYxw77oA3/JNmj/RVPNFnY0+/ZXlU2TAx3rZ/JPjfi+k
        Wf3jXsxz68KAv2a5QIdHfcCPncjvMbV+Fe/JNmFoylL4RB8GLOTkyOaktdbWKFJK
        QE2fMWkZ6Zc6uhnB940Bt7V6Aa+85QQEj8LpL6o1uP70YJnYIvYPz4wHSrt1bU35
        MLN26hZnqRGfiVmp4O5zmn6aNowkRIE18NDAOarEfDT6Pd8Y9KlO0vDGQ5qi4GNl
        7lcArsjW/AU5ENC7WLyL1EZ/PkFvvuP2enSLuUcgwXXopu/VDVE84A==
        -----END CERTIFICATE REQUEST-----
      EOT
      root_certificate = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIIBwTCCAWigAwIBAgIQB6AE5tsdN3jV5sTi4fpCjTAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        QDEZMBcGA1UEAwwQQ3VzdG9tZXIgUm9vdCBDQTEjMCEGA1UECgwaY2xvdWRoc20t
        ZW11bGF0b3IgY3VzdG9tZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASJJjAh
        GaBPo5KPApG0Q2LA5GYPVGVo15z3Sl49SuAyblw9gjKgrQU5mUBRbTvn88hN3qq0
        Wei1uF6NsymmGqNIo0IwQDAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFOxS39aE
        eFcLvMauoKSpAs5RBuXLMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAw
        RAIfTQns0MQweK5xNzPGGitvXJzWQT1XfYkRRNOsnV0XUQIhAPCnScTGoIFdyQ2R
        zNyX0/oz54SHvCgPB3MtU2Eon/8V
        -----END CERTIFICATE-----
      EOT
      signed_cert      = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIIChzCCAi6gAwIBAgIQGTj3UEofHcH95mLKcS+CsjAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOm55
        ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV0xiM6sYGQuBX/dq8
        P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4kaB9X8lDIRPh16ig
        QsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/ugPfGv90Pj8DyXrL
        +IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2Dt1Zusnv/PNQJroP
        LU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvECBA0s2nPktkX+gC+x
        FCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMBAAEwCgYIKoZIzj0E
        AwIDRwAwRAIgas2KaLvEnTOfFjHIA1q4pcEuhPL9HNUNWlKr1UEatvwCIFoATTul
        7NBEaKHqbA/HzlhB22AWGqPnOk5eAgqN+4tz
        -----END CERTIFICATE-----
      EOT
    }
  }
  mock_resource "cloudhsm_cluster_initialization" {
    defaults = {
      id                  = "cluster-i5dnfhopfrr"
      state               = "INITIALIZED"
      state_message       = "Cluster is initialized."
      signed_cert         = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIIChzCCAi6gAwIBAgIQGTj3UEofHcH95mLKcS+CsjAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOm55
        ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV0xiM6sYGQuBX/dq8
        P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4kaB9X8lDIRPh16ig
        QsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/ugPfGv90Pj8DyXrL
        +IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2Dt1Zusnv/PNQJroP
        LU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvECBA0s2nPktkX+gC+x
        FCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMBAAEwCgYIKoZIzj0E
        AwIDRwAwRAIgas2KaLvEnTOfFjHIA1q4pcEuhPL9HNUNWlKr1UEatvwCIFoATTul
        7NBEaKHqbA/HzlhB22AWGqPnOk5eAgqN+4tz
        -----END CERTIFICATE-----
      EOT
      cluster_certificate = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIIChzCCAi6gAwIBAgIQGTj3UEofHcH95mLKcS+CsjAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOm55
        ZmhubTNrejdrOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQChHJ0gmceAYx3sfD9zTJml/ABV0xiM6sYGQuBX/dq8
        P7wImzu6R8qkIUtSP2g2FgisO7Kq9aocnLWpSpCcSFEoaOC4kaB9X8lDIRPh16ig
        QsaltRxJg8SDVd+PytwCApIiuKUh5yENUEjpjuDUO+6xEwl/ugPfGv90Pj8DyXrL
        +IztJ1dGBn3QgRPi6AK0n9IiBisxrea7RMOcbUrq+oVT1eE2Dt1Zusnv/PNQJroP
        LU01QU3MqU73rA/GBozxUhaGuJz2PkWxCwUidzqoE50/CvECBA0s2nPktkX+gC+x
        FCxBR15bQVpU79Fjyl/Vm6V2/ERITD2fUBTKb4AliDlbAgMBAAEwCgYIKoZIzj0E
        AwIDRwAwRAIgas2KaLvEnTOfFjHIA1q4pcEuhPL9HNUNWlKr1UEatvwCIFoATTul
        7NBEaKHqbA/HzlhB22AWGqPnOk5eAgqN+4tz
        -----END CERTIFICATE-----
      EOT
    }
  }
  mock_resource "cloudhsm_cluster_config" {
    defaults = {
      id            = "cluster-i5dnfhopfrr"
      state         = "ACTIVE"
      backup_policy = "DEFAULT"
      hsm_type      = "hsm2m.medium"
      backup_retention_policy = {
        type  = "DAYS"
        value = 90
      }
    }
  }
  mock_resource "cloudhsm_backup_copy" {
    defaults = {
      id            = "backup-pcgt4pmgkru"
      backup_id     = "backup-pcgt4pmgkru"
      backup_arn    = "arn:aws:cloudhsm:eu-central-1:123456789012:backup/backup-pcgt4pmgkru"
      state         = "READY"
      source_region = "eu-west-1"
      never_expires = false
    }
  }
  mock_resource "cloudhsm_backup_retention_exemption" {
    defaults = {
      id               = "backup-u2qtweiqrxb"
      region           = "eu-west-1"
      cluster_id       = "cluster-i5dnfhopfrr"
      state            = "READY"
      create_timestamp = "2026-12-06T22:37:16Z"
    }
  }
}

mock_provider "aws" {
  mock_resource "aws_cloudhsm_v2_cluster" {
    defaults = {
      id                = "cluster-i5dnfhopfrr"
      cluster_id        = "cluster-i5dnfhopfrr"
      cluster_state     = "UNINITIALIZED"
      vpc_id            = "vpc-9a36436606062ae9a"
      security_group_id = "sg-b7bcdaf85e2bf7135"
    }
  }
  mock_resource "aws_cloudhsm_v2_hsm" {
    defaults = {
      id                = "hsm-nyfhnm3kz7k"
      hsm_id            = "hsm-nyfhnm3kz7k"
      hsm_state         = "ACTIVE"
      hsm_eni_id        = "eni-a119188cb946938bc"
      ip_address        = "10.0.0.10"
      availability_zone = "eu-west-1a"
    }
  }
}

variables {
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "plans_the_whole_flow" {
  command = plan

  assert {
    condition     = cloudhsm_cluster_config.this.hsm_type == "hsm2m.medium"
    error_message = "The cluster is not configured for hsm2m.medium."
  }

  assert {
    condition     = cloudhsm_cluster_config.this.backup_retention_policy.value == 30
    error_message = "Backups are not kept for 30 days."
  }

  assert {
    condition     = cloudhsm_backup_copy.dr.destination_region == "eu-central-1" && cloudhsm_backup_copy.dr.never_expires
    error_message = "The backup is not copied to eu-central-1, never expiring."
  }
}

run "initializes_with_the_one_time_root" {
  assert {
    condition     = data.cloudhsm_cluster.this.state == "UNINITIALIZED"
    error_message = "The cluster is read before its initialization."
  }

  assert {
    condition     = cloudhsm_cluster_initialization.this.trust_anchor == cloudhsm_one_time_root.this.root_certificate
    error_message = "The trust anchor is not the one-time root."
  }

  assert {
    condition     = cloudhsm_cluster_initialization.this.signed_cert == cloudhsm_one_time_root.this.signed_cert
    error_message = "The cluster certificate is not the one the root signed."
  }

  assert {
    condition     = output.cluster_state == "INITIALIZED"
    error_message = "The cluster is not initialized."
  }

  assert {
    condition     = startswith(output.customer_ca_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "customer_ca_pem is not the root certificate."
  }

  assert {
    condition     = cloudhsm_backup_copy.dr.source_backup_id == data.cloudhsm_backups.latest.backups[0].backup_id
    error_message = "The copy is not of the newest backup."
  }

  assert {
    condition     = startswith(output.dr_backup_id, "backup-")
    error_message = "dr_backup_id is not a backup id."
  }
}

# One data source answered differently for one run (the same works in a test of real
# providers, with override_resource for a resource): the copy follows the newest backup.
run "copies_a_newer_backup" {
  override_data {
    target = data.cloudhsm_backups.latest
    values = {
      backups = [{ backup_id = "backup-newer2backup2", state = "READY" }]
    }
  }

  assert {
    condition     = cloudhsm_backup_copy.dr.source_backup_id == "backup-newer2backup2"
    error_message = "The copy is not of the newest backup."
  }
}
