"""Personal data protection (Decree 13/2023/NĐ-CP): consent records, masking in logs, retention, and the
citizen's rights to see and erase what is kept about them."""
