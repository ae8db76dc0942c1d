"""Online fee payment (level 4): VNPay 2.1.0 links and callbacks, VietQR transfers, the payment orders."""
