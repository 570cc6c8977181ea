# examples/complete-own-ca under `terraform test` with our provider mocked. Terraform 1.11 or
# later (write-only arguments).
#
# Terraform 1.11 cannot mock an ephemeral resource ("No ephemeral resource types in mock
# providers") nor override one, so the AWS provider stays real: its two CloudHSM resources are
# overridden (no call is made for them) and the ephemeral secret is read from the emulator's
# Secrets Manager. Start the emulator with the fixture key as the secret and pass its endpoint:
#
#   ./scripts/emulator.sh     # seeds cloudhsm-test/ca-key from tests/fixtures/customerCA.key
#   terraform test -filter=tests/mock.tftest.hcl -var-file=../../target/emulator/emulator.tfvars
#
# The mocked provider still validates the configuration: the trust anchor must be PEM and the
# key from the secret its own. tests/fixtures/customerCA.crt and .key are the throwaway root of
# the set below, printed by `cloudhsm-emulator fixtures --out-dir` (test use only).

mock_provider "cloudhsm" {
  mock_data "cloudhsm_cluster" {
    defaults = {
      id                = "cluster-kvsz44m4yzw"
      state             = "UNINITIALIZED"
      state_message     = "Cluster is uninitialized."
      hsm_type          = "hsm2m.medium"
      mode              = "FIPS"
      network_type      = "IPV4"
      vpc_id            = "vpc-e981b2816106dd9f0"
      security_group_id = "sg-377bb6216c2eb1175"
      create_timestamp  = "2026-12-06T22:52:39Z"
      backup_policy     = "DEFAULT"
      backup_retention_policy = {
        type  = "DAYS"
        value = 90
      }
      subnet_mapping = {
        "eu-west-1a" = "subnet-3733f37987e6e8f54"
      }
      tags        = {}
      cluster_csr = <<-EOT
        -----BEGIN CERTIFICATE REQUEST-----
        MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
        DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
        A1UEAwwmSFNNOmJleWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
        MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihB
        sXi1sBIgJQHAtVzfP5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJV
        x+kqZxR/OgYA4HZLmRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSY
        tYkQ3KZZ7tRn24clqQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q4
        3yY3NmbY59inqJTJMe8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnP
        MWW8WsFvqthZTmOHrEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMB
        AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAESyEnzrF3/SgK+iK1W380HL4WOecdYJK
        Gfy4MM8ScaXiRkjD50Ahe1ajyR2tr8/5sdej3fOkwR1NdAfrbFp5GNy24zufwtcr
        LTt8fCA/ViBmm2s0svuODqIQKOu8oyEgdoMPuaPg2M/xjFgw7t6hITG/0A02kIap
        pjA1wprvfwIsPhOr6Kutb245TrVNv3ddZPGGXy5Zkp2rQZk+PZEBuTHr9rTSQZxb
        w1xuG08hPm9a/ubDK3GuO2zZ73WQUJCPaCZDM1v+7hjDVGCfSCVcGdYAAzsa2P+2
        Yb95+fd2OYyDzAgzQl2qC/1/PXEwzzROz+WRtrmGAKJDj3+mz64cOg==
        -----END CERTIFICATE REQUEST-----
      EOT
      certificates = {
        cluster_csr                       = <<-EOT
          -----BEGIN CERTIFICATE REQUEST-----
          MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
          DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
          A1UEAwwmSFNNOmJleWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
          MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihB
          sXi1sBIgJQHAtVzfP5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJV
          x+kqZxR/OgYA4HZLmRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSY
          tYkQ3KZZ7tRn24clqQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q4
          3yY3NmbY59inqJTJMe8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnP
          MWW8WsFvqthZTmOHrEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMB
          AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAESyEnzrF3/SgK+iK1W380HL4WOecdYJK
          Gfy4MM8ScaXiRkjD50Ahe1ajyR2tr8/5sdej3fOkwR1NdAfrbFp5GNy24zufwtcr
          LTt8fCA/ViBmm2s0svuODqIQKOu8oyEgdoMPuaPg2M/xjFgw7t6hITG/0A02kIap
          pjA1wprvfwIsPhOr6Kutb245TrVNv3ddZPGGXy5Zkp2rQZk+PZEBuTHr9rTSQZxb
          w1xuG08hPm9a/ubDK3GuO2zZ73WQUJCPaCZDM1v+7hjDVGCfSCVcGdYAAzsa2P+2
          Yb95+fd2OYyDzAgzQl2qC/1/PXEwzzROz+WRtrmGAKJDj3+mz64cOg==
          -----END CERTIFICATE REQUEST-----
        EOT
        hsm_certificate                   = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIICajCCAhGgAwIBAgIQf1VelGIJshKUsH9ojFP2QjAKBggqhkjOPQQDAjAjMSEw
          HwYDVQQDDBhIU00gaGFyZHdhcmUgYmV5a3VncmRpanIwIBcNNzUwMTAxMDAwMDAw
          WhgPNDA5NjAxMDEwMDAwMDBaMH8xCzAJBgNVBAYMAlVTMQswCQYDVQQIDAJDQTEQ
          MA4GA1UEBwwHU2FuSm9zZTEPMA0GA1UECgwGQ2F2aXVtMQ8wDQYDVQQLDAZOM0ZJ
          UFMxLzAtBgNVBAMMJkhTTTpiZXlrdWdyZGlqcjpQQVJUTjoxLCBmb3IgRklQUyBt
          b2RlMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4WNf8ipyYNpRKqjq
          WiDFYO4oQbF4tbASICUBwLVc3z+YxgqBf7v70OZMMTFf62W0OZbtZBKqCaDaOcZo
          Fxu0y3XiVcfpKmcUfzoGAOB2S5kUT6ZShxDhExmjeK5KCEbLCbz2rfq+ALNpaHl9
          MOH1jjS0mLWJENymWe7UZ9uHJakJg2jXZXHNyMQzmNdpTST9rOtN2C7gX9sWXfK+
          AaIT9pfUON8mNzZm2OfYp6iUyTHvGdmPIPLFevQEZ73Bdipzv7XnaRD2oaTIcRd2
          8ZwKGN8JzzFlvFrBb6rYWU5jh6xLA2Wpvyvl6NbbEuRE3FCtssGl10kHyLSz+p5y
          r1GeXQIDAQABMAoGCCqGSM49BAMCA0cAMEQCICI5n78LFeXd/vCvzhiydbU7jQPv
          1oSY3ApXO5gVxz2TAiAWE7owOLk5BXjwnTNohEAfYEvJAjOzvIQ4jYCquf5mdQ==
          -----END CERTIFICATE-----
        EOT
        aws_hardware_certificate          = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIIBnTCCAUOgAwIBAgIQY1g4dKb80oHjzp/wAnd7pTAKBggqhkjOPQQDAjBFMSUw
          IwYDVQQDDBxBV1MgQ2xvdWRIU00gUm9vdCAoZW11bGF0ZWQpMRwwGgYDVQQKDBNB
          bWF6b24gV2ViIFNlcnZpY2VzMCAXDTc1MDEwMTAwMDAwMFoYDzQwOTYwMTAxMDAw
          MDAwWjAjMSEwHwYDVQQDDBhIU00gaGFyZHdhcmUgYmV5a3VncmRpanIwWTATBgcq
          hkjOPQIBBggqhkjOPQMBBwNCAAR6j5BfUQvOj7wvX5ltX2ksirg+X2kji+u2kQSy
          L52nLwTepnF2JebTSIzKxoU8ZAXewNpkvKsLo4gPnBFWSKS3ozUwMzAdBgNVHQ4E
          FgQUAUIWgmFubEC2TMnaQosfrrQJmkEwEgYDVR0TAQH/BAgwBgEB/wIBADAKBggq
          hkjOPQQDAgNIADBFAiEAhaW84Srtfmlv64v69Uf2yjJS1uKdqaoHMRzYaF8MAMkC
          ICYKQYLZUzW77+fHWqEnwIJheWfbbuOn/qsShIpVbym+
          -----END CERTIFICATE-----
        EOT
        manufacturer_hardware_certificate = <<-EOT
          -----BEGIN CERTIFICATE-----
          MIIBlDCCATqgAwIBAgIQY1g4dKb80oHjzp/wAnd7pTAKBggqhkjOPQQDAjA8MSkw
          JwYDVQQDDCBIU00gTWFudWZhY3R1cmVyIFJvb3QgKGVtdWxhdGVkKTEPMA0GA1UE
          CgwGQ2F2aXVtMCAXDTc1MDEwMTAwMDAwMFoYDzQwOTYwMTAxMDAwMDAwWjAjMSEw
          HwYDVQQDDBhIU00gaGFyZHdhcmUgYmV5a3VncmRpanIwWTATBgcqhkjOPQIBBggq
          hkjOPQMBBwNCAAR6j5BfUQvOj7wvX5ltX2ksirg+X2kji+u2kQSyL52nLwTepnF2
          JebTSIzKxoU8ZAXewNpkvKsLo4gPnBFWSKS3ozUwMzAdBgNVHQ4EFgQUAUIWgmFu
          bEC2TMnaQosfrrQJmkEwEgYDVR0TAQH/BAgwBgEB/wIBADAKBggqhkjOPQQDAgNI
          ADBFAiAc2dh7tJ30Xc/UaQxKuweX+VW1HzL/AW7KyVtqo8fcpgIhAK/7f14uqyvG
          tlJ+pZCNuFmduktjRXG4ih4oybdded/T
          -----END CERTIFICATE-----
        EOT
      }
    }
  }
  mock_data "cloudhsm_backups" {
    defaults = {
      id     = "eu-west-1"
      region = "eu-west-1"
      ids    = ["backup-gjxw6xf2ufg"]
      backups = [
        {
          backup_id         = "backup-gjxw6xf2ufg"
          backup_arn        = "arn:aws:cloudhsm:eu-west-1:123456789012:backup/backup-gjxw6xf2ufg"
          state             = "READY"
          cluster_id        = "cluster-kvsz44m4yzw"
          hsm_type          = "hsm2m.medium"
          mode              = "FIPS"
          create_timestamp  = "2026-12-06T22:52:39Z"
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
      id               = "cluster-kvsz44m4yzw"
      cluster_csr      = <<-EOT
        -----BEGIN CERTIFICATE REQUEST-----
        MIICxDCCAawCAQAwfzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQH
        DAdTYW5Kb3NlMQ8wDQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0G
        A1UEAwwmSFNNOmJleWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEi
        MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihB
        sXi1sBIgJQHAtVzfP5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJV
        x+kqZxR/OgYA4HZLmRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSY
        tYkQ3KZZ7tRn24clqQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q4
        3yY3NmbY59inqJTJMe8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnP
        MWW8WsFvqthZTmOHrEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMB
        AAGgADANBgkqhkiG9w0BAQsFAAOCAQEAESyEnzrF3/SgK+iK1W380HL4WOecdYJK
        Gfy4MM8ScaXiRkjD50Ahe1ajyR2tr8/5sdej3fOkwR1NdAfrbFp5GNy24zufwtcr
        LTt8fCA/ViBmm2s0svuODqIQKOu8oyEgdoMPuaPg2M/xjFgw7t6hITG/0A02kIap
        pjA1wprvfwIsPhOr6Kutb245TrVNv3ddZPGGXy5Zkp2rQZk+PZEBuTHr9rTSQZxb
        w1xuG08hPm9a/ubDK3GuO2zZ73WQUJCPaCZDM1v+7hjDVGCfSCVcGdYAAzsa2P+2
        Yb95+fd2OYyDzAgzQl2qC/1/PXEwzzROz+WRtrmGAKJDj3+mz64cOg==
        -----END CERTIFICATE REQUEST-----
      EOT
      root_certificate = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIIBwjCCAWigAwIBAgIQV1nlbPtQtvi2MlUJIqW4hzAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        QDEZMBcGA1UEAwwQQ3VzdG9tZXIgUm9vdCBDQTEjMCEGA1UECgwaY2xvdWRoc20t
        ZW11bGF0b3IgY3VzdG9tZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATmYqHZ
        TfVxNFzwIK+qynSeNs7EI0xaFRSeIvaKh2zxn1VWEQeD32yZRqW4pkt3IPLKNuE8
        q32Z48xu+O2HFx9po0IwQDAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFGOoIh8e
        9TRMdufpsy1c3Pdszev8MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAw
        RQIgCdpBqf0FfWkOnTeeb3QqIKXidfinpwlG943MiXBstV4CIQChaKFuuAtBSA9c
        YCe6gHyyiTxZCQPGZtmG6OHrqSxlBg==
        -----END CERTIFICATE-----
      EOT
      signed_cert      = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIICiTCCAi6gAwIBAgIQJLaUEyQW0HO7KiEreXwoMzAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOmJl
        eWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihBsXi1sBIgJQHAtVzf
        P5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJVx+kqZxR/OgYA4HZL
        mRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSYtYkQ3KZZ7tRn24cl
        qQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q43yY3NmbY59inqJTJ
        Me8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnPMWW8WsFvqthZTmOH
        rEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMBAAEwCgYIKoZIzj0E
        AwIDSQAwRgIhANwlMW2Hz4UuyzxyHOCqlSV5F2A8aKkky+KSGcKur09bAiEAirbB
        vobkEhJ3Q77opg/IPAEBiRE+qvHZRJoyPP+vI7k=
        -----END CERTIFICATE-----
      EOT
    }
  }
  mock_resource "cloudhsm_cluster_initialization" {
    defaults = {
      id                  = "cluster-kvsz44m4yzw"
      state               = "INITIALIZED"
      state_message       = "Cluster is initialized."
      signed_cert         = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIICiTCCAi6gAwIBAgIQJLaUEyQW0HO7KiEreXwoMzAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOmJl
        eWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihBsXi1sBIgJQHAtVzf
        P5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJVx+kqZxR/OgYA4HZL
        mRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSYtYkQ3KZZ7tRn24cl
        qQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q43yY3NmbY59inqJTJ
        Me8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnPMWW8WsFvqthZTmOH
        rEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMBAAEwCgYIKoZIzj0E
        AwIDSQAwRgIhANwlMW2Hz4UuyzxyHOCqlSV5F2A8aKkky+KSGcKur09bAiEAirbB
        vobkEhJ3Q77opg/IPAEBiRE+qvHZRJoyPP+vI7k=
        -----END CERTIFICATE-----
      EOT
      cluster_certificate = <<-EOT
        -----BEGIN CERTIFICATE-----
        MIICiTCCAi6gAwIBAgIQJLaUEyQW0HO7KiEreXwoMzAKBggqhkjOPQQDAjBAMRkw
        FwYDVQQDDBBDdXN0b21lciBSb290IENBMSMwIQYDVQQKDBpjbG91ZGhzbS1lbXVs
        YXRvciBjdXN0b21lcjAgFw03NTAxMDEwMDAwMDBaGA80MDk2MDEwMTAwMDAwMFow
        fzELMAkGA1UEBgwCVVMxCzAJBgNVBAgMAkNBMRAwDgYDVQQHDAdTYW5Kb3NlMQ8w
        DQYDVQQKDAZDYXZpdW0xDzANBgNVBAsMBk4zRklQUzEvMC0GA1UEAwwmSFNNOmJl
        eWt1Z3JkaWpyOlBBUlROOjEsIGZvciBGSVBTIG1vZGUwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQDhY1/yKnJg2lEqqOpaIMVg7ihBsXi1sBIgJQHAtVzf
        P5jGCoF/u/vQ5kwxMV/rZbQ5lu1kEqoJoNo5xmgXG7TLdeJVx+kqZxR/OgYA4HZL
        mRRPplKHEOETGaN4rkoIRssJvPat+r4As2loeX0w4fWONLSYtYkQ3KZZ7tRn24cl
        qQmDaNdlcc3IxDOY12lNJP2s603YLuBf2xZd8r4BohP2l9Q43yY3NmbY59inqJTJ
        Me8Z2Y8g8sV69ARnvcF2KnO/tedpEPahpMhxF3bxnAoY3wnPMWW8WsFvqthZTmOH
        rEsDZam/K+Xo1tsS5ETcUK2ywaXXSQfItLP6nnKvUZ5dAgMBAAEwCgYIKoZIzj0E
        AwIDSQAwRgIhANwlMW2Hz4UuyzxyHOCqlSV5F2A8aKkky+KSGcKur09bAiEAirbB
        vobkEhJ3Q77opg/IPAEBiRE+qvHZRJoyPP+vI7k=
        -----END CERTIFICATE-----
      EOT
    }
  }
  mock_resource "cloudhsm_cluster_config" {
    defaults = {
      id            = "cluster-kvsz44m4yzw"
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
      id            = "backup-g4pp3ririwk"
      backup_id     = "backup-g4pp3ririwk"
      backup_arn    = "arn:aws:cloudhsm:eu-central-1:123456789012:backup/backup-g4pp3ririwk"
      state         = "READY"
      source_region = "eu-west-1"
      never_expires = false
    }
  }
  mock_resource "cloudhsm_backup_retention_exemption" {
    defaults = {
      id               = "backup-gjxw6xf2ufg"
      region           = "eu-west-1"
      cluster_id       = "cluster-kvsz44m4yzw"
      state            = "READY"
      create_timestamp = "2026-12-06T22:52:39Z"
    }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIDEMULATOR"
  secret_key                  = "emulator-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    secretsmanager = var.emulator_endpoint
  }
}

override_resource {
  target = aws_cloudhsm_v2_cluster.this
  values = {
    cluster_id    = "cluster-kvsz44m4yzw"
    cluster_state = "UNINITIALIZED"
  }
}

override_resource {
  target = aws_cloudhsm_v2_hsm.first
  values = {
    hsm_id    = "hsm-fixture2hsm2"
    hsm_state = "ACTIVE"
  }
}

variables {
  subnet_ids       = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  ca_key_secret_id = "cloudhsm-test/ca-key"
  ca_cert_file     = "tests/fixtures/customerCA.crt"
}

run "plans_with_the_key_from_the_secret_store" {
  command = plan

  assert {
    condition     = cloudhsm_cluster_config.this.hsm_type == "hsm2m.medium"
    error_message = "The cluster is not configured for hsm2m.medium."
  }
}

run "initializes_with_the_ca_key" {
  assert {
    condition     = output.cluster_id == "cluster-kvsz44m4yzw"
    error_message = "The cluster is not the one the AWS provider made."
  }

  assert {
    condition     = cloudhsm_cluster_initialization.this.state == "INITIALIZED"
    error_message = "The cluster is not initialized."
  }

  assert {
    condition     = startswith(output.cluster_certificate, "-----BEGIN CERTIFICATE-----")
    error_message = "cluster_certificate is not the certificate the provider signed."
  }
}
