<%@ page contentType="application/json; charset=UTF-8" session="false" %><%@ include file="/WEB-INF/seen.jspf" %><%= seen %>
