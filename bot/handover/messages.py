"""What the citizen reads about a handover (the officers' own words are theirs)."""

QUEUED = (
    "Dạ, em đã chuyển anh/chị đến {department}. Anh/chị đang ở vị trí số {position} trong hàng chờ, "
    "thời gian chờ dự kiến khoảng {minutes} phút. Cán bộ nhận trò chuyện em sẽ báo ngay ạ."
)
ALREADY_QUEUED = "Dạ, anh/chị vẫn đang trong hàng chờ (vị trí số {position}), cán bộ sẽ trả lời sớm ạ."
ALREADY_HELD = "Dạ, cán bộ {officer} đang trò chuyện với anh/chị ạ."
OUT_OF_HOURS = (
    "Dạ, hiện đã ngoài giờ làm việc nên chưa có cán bộ trực. Cán bộ sẽ làm việc trở lại lúc {opening}. "
    "Anh/chị để lại lời nhắn và số điện thoại, cán bộ sẽ gọi lại cho anh/chị ạ."
)
CLOSED_FOR_LONG = "Dạ, hiện chưa có lịch làm việc của cán bộ. Anh/chị để lại lời nhắn và số điện thoại ạ."
CALLBACK_TAKEN = "Dạ, em đã ghi lại lời nhắn. Cán bộ {department} sẽ gọi lại số {phone} sau {opening} ạ."
CLAIMED = "Dạ, cán bộ {officer} ({department}) đã nhận trò chuyện. Anh/chị nhắn trực tiếp với cán bộ ạ."
OFFICER_SAYS = "{officer}: {text}"
RELEASED = "Dạ, cán bộ {officer} đã kết thúc trò chuyện.{summary} Em tiếp tục hỗ trợ anh/chị ạ."
SUMMARY = " Tóm tắt: {summary}"
LEFT_QUEUE = "Dạ, em đã hủy yêu cầu gặp cán bộ. Em tiếp tục hỗ trợ anh/chị ạ."
DESK_NAME = "Bộ phận Một cửa"
ASK_MESSAGE = "Bước 1/2: anh/chị nhắn nội dung cần cán bộ hỗ trợ ạ."
ASK_PHONE = "Bước 2/2: số điện thoại để cán bộ gọi lại cho anh/chị là số nào ạ?"
BAD_PHONE = (
    "Dạ, số {phone} chưa đúng số di động Việt Nam (10 số, ví dụ 0912345678). Anh/chị nhập lại giúp em ạ."
)
EMPTY_MESSAGE = "Dạ, anh/chị nhắn bằng chữ nội dung cần hỗ trợ giúp em ạ."
CALLBACK_CANCELLED = "Dạ, em không ghi lời nhắn nữa. Anh/chị cần em hỗ trợ gì thêm không ạ?"
NOT_WAITING = "Dạ, anh/chị hiện không ở trong hàng chờ gặp cán bộ ạ."
STILL_NOT_UNDERSTOOD = "Dạ, em vẫn chưa hiểu ý anh/chị."
CANCEL_WAITING_BUTTON = "Hủy chờ cán bộ"
KEEP_NO_MESSAGE_BUTTON = "Thôi, không để lại lời nhắn"
LEAVE_MESSAGE_BUTTON = "Để lại lời nhắn cho cán bộ"
SEE_OFFICER_BUTTON = "Gặp cán bộ"
