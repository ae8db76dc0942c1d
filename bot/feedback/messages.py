"""What the citizen reads when asked to rate, and after rating (button titles included)."""

ASK_ABOUT_ANSWER = "Dạ, thông tin trên có giúp ích cho anh/chị không ạ?"
GOOD_ANSWER_BUTTON = "👍 Có ích"
BAD_ANSWER_BUTTON = "👎 Chưa có ích"
GOOD_SERVICE_BUTTON = "👍 Hài lòng"
BAD_SERVICE_BUTTON = "👎 Chưa hài lòng"
THANKS = "Dạ, em cảm ơn anh/chị đã đánh giá ạ."
MORE_BUTTON = "Góp ý thêm"
SKIP_BUTTON = "Bỏ qua"
SORRY_ASK_WHY = (
    "Dạ, em xin lỗi vì chưa giúp được anh/chị. Anh/chị cho em biết điều gì chưa đúng hoặc còn thiếu, "
    "em chuyển tới cán bộ xã để cải thiện ạ (gõ góp ý, hoặc bấm Bỏ qua)."
)
ASK_COMMENT = "Dạ, anh/chị gõ góp ý của mình ạ (hoặc bấm Bỏ qua)."
COMMENT_TAKEN = "Dạ, em đã ghi nhận góp ý và chuyển tới cán bộ xã. Em cảm ơn anh/chị ạ."
SKIPPED = "Dạ vâng ạ. Anh/chị cần hỏi gì thêm cứ nhắn em ạ."
NOT_RECOGNISED = "Dạ, em chưa ghi nhận được đánh giá này. Anh/chị cần hỏi gì thêm cứ nhắn em ạ."
